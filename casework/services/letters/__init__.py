"""Letters: drafting them from the facts of a case or finding, sending them, and the LA pack."""
