"""Emergency resources (应急资源): rescue teams, warehouses and stock, shelters, experts, requests."""
