"""Changes people make: validation at every door, uploads and imports, the store with its audit trail, accounts and sign-in, and the register merged with the changes."""
