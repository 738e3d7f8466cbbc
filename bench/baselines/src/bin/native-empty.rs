//! Starts and exits: the floor under any hook a native program could run.

fn main() {}
