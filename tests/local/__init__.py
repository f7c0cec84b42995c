"""Local events over the players' own websockets."""
