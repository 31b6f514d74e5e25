"""fupin-tui: a terminal workbench for the cross-inspection (交叉检查) of 建档立卡 registration data."""

__version__ = "0.1.0"
