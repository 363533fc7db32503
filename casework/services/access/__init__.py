"""Who may use Casework and what they see: people, sign-in, browser sessions and reach."""
