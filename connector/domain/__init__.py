"""Pure logic: no I/O, no clock, no logging. Everything here is a function of its inputs."""
