"""Running the stack: the bundled binaries and the embedded local deployment."""
