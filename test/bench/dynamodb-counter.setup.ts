// Imported first in each consumer worker of the intake benchmark (see dynamodb-counter.ts).
import { installCallCounter } from "./dynamodb-counter.ts";

installCallCounter();
