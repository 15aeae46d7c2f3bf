"""Evidence files (receipt scans, photos): stored in the database with their SHA-256 checksum."""
