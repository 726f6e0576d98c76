"""The steps the workflow's rule scripts call, and what the workflow needs at parse time."""
