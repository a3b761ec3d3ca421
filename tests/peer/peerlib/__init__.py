# SPDX-FileCopyrightText: 2026 relayrace maintainers
# SPDX-License-Identifier: MIT
"""The peer comparison (tests/peer/peers.py)."""
