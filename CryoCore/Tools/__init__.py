"""Command-line tools: ConfigTool, ConfigUI, TailStatus, TailLog."""
