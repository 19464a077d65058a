"""The ground every layer stands on: settings, the zh-CN message catalogue, display formatting."""
