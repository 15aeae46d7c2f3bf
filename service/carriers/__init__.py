"""Third-party carriers of internal-warehouse shipments: the R7 report deadline and lateness."""
