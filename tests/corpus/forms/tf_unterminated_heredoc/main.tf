resource "azurerm_network_security_group" "nsg" {
  name = "broken"
  tags = {
    note = <<EOT
never closed
  }
}
