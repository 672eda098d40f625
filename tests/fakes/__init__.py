"""HTTP fakes of our destinations, served on 127.0.0.1 port 0."""
