"""CryoCore services (Config, Status, loggingService) over one database layer (InternalDB)."""
