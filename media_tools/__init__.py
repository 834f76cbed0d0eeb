"""The ffmpeg adapter: probe, analyse and render media files."""
