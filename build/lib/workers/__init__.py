"""The arq worker process: thin jobs around backend services."""
