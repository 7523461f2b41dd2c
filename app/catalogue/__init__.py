"""What residents can report: category groups, categories and their questions."""
