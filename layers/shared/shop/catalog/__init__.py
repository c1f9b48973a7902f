"""The catalog: products, the rules of creating, changing, deleting and listing them, and their DynamoDB items."""
