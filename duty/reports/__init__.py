"""Daily and zero reports (值班日报 / 零报告): one per unit per day, by a deadline, tracked upward."""
