"""Search: the query (`query`), keeping the index equal to the table (`indexing`), and its administration."""
