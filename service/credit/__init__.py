"""Customer credit (R32): each customer's payment record, and the monthly review proposing a grade
or limit change that finance approves or rejects."""
