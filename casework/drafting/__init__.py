"""Letters drafted from facts: which letters there are, who receives them, and how they render."""
