"""One module per subject; each command takes the parsed arguments and returns the exit code. Heavy imports
stay inside the commands, so `kindly --help` starts fast."""
