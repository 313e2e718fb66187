"""Cull (issue 30): stacks of look-alike shots with the best on top, the shots worth a
look on their own, and culling through the plan machinery."""
