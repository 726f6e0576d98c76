"""The config and cohort-spec schemas, and the settings each stage reads from the config."""
