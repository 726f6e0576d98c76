"""The typed cohort spec, the columns it references and the vocabularies it maps to."""
