"""Messages between parents and their child's homeroom teachers: a thread per child and guardian, kept forever."""
