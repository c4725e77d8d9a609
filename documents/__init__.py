"""Documents Sinergi produces (the handover package PDF) and where they are kept."""
