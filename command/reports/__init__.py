"""Information reports (信息报送): 首报, 续报, 终报 with deadlines from a rule table per jurisdiction."""
