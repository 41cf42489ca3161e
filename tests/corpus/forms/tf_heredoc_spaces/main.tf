resource "azurerm_network_security_group" "nsg" {
  name        = "heredoc-nsg"
  location    = "westeurope"
  resource_group_name = "rg"
  tags = {
    note = <<EOT
opened for the migration
EOT   
  }
  security_rule {
    name                       = "ssh"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = "*"
    destination_address_prefix = "*"
  }
}
