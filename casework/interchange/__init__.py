"""File interchange: the records files carry, CSV readers and the common transfer file."""
