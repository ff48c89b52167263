"""Reference ECOSIRE licence server (dev/test tool; never shipped inside an addon)."""
