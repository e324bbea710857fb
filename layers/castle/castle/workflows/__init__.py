"""Step Functions helpers shared by tests and the local stack: definitions and in-process Lambdas."""
