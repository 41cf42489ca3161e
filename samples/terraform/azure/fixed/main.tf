# The same VM with management ports closed to the internet.
# SSH is allowed only from the administrators' range; RDP from the internet is denied by a
# rule evaluated before the Allow, so the Allow is dead. Expected: no zt_net_001 finding.

variable "location" {
  default = "westeurope"
}

variable "admin_source" {
  description = "Where administrators connect from"
  default     = "203.0.113.0/24"
}

locals {
  prefix = "web"
  tags   = { env = "prod" }
}

resource "azurerm_resource_group" "rg" {
  name     = "${local.prefix}-rg"
  location = var.location
}

resource "azurerm_virtual_network" "vnet" {
  name                = "${local.prefix}-vnet"
  address_space       = ["10.0.0.0/16"]
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
}

resource "azurerm_subnet" "app" {
  name                 = "app"
  resource_group_name  = azurerm_resource_group.rg.name
  virtual_network_name = azurerm_virtual_network.vnet.name
  address_prefixes     = ["10.0.1.0/24"]
}

resource "azurerm_network_security_group" "web" {
  name                = "${local.prefix}-nsg"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  tags                = local.tags

  security_rule {
    name                       = "allow-https"
    priority                   = 100
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "443"
    source_address_prefix      = "Internet"
    destination_address_prefix = "*"
  }

  security_rule {
    name                       = "allow-ssh"
    priority                   = 110
    direction                  = "Inbound"
    access                     = "Allow"
    protocol                   = "Tcp"
    source_port_range          = "*"
    destination_port_range     = "22"
    source_address_prefix      = var.admin_source
    destination_address_prefix = "*"
  }
}

resource "azurerm_network_security_rule" "deny_rdp" {
  name                        = "deny-rdp-internet"
  priority                    = 115
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "3389"
  source_address_prefix       = "*"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.web.name
}

resource "azurerm_network_security_rule" "rdp" {
  name                        = "allow-rdp"
  priority                    = 120
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_ranges     = ["3389"]
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = azurerm_resource_group.rg.name
  network_security_group_name = azurerm_network_security_group.web.name
}

resource "azurerm_subnet_network_security_group_association" "app" {
  subnet_id                 = azurerm_subnet.app.id
  network_security_group_id = azurerm_network_security_group.web.id
}

resource "azurerm_public_ip" "vm" {
  name                = "${local.prefix}-pip"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name
  allocation_method   = "Static"
  sku                 = "Standard"
}

resource "azurerm_network_interface" "vm" {
  name                = "${local.prefix}-nic"
  location            = azurerm_resource_group.rg.location
  resource_group_name = azurerm_resource_group.rg.name

  ip_configuration {
    name                          = "internal"
    subnet_id                     = azurerm_subnet.app.id
    private_ip_address_allocation = "Dynamic"
    public_ip_address_id          = azurerm_public_ip.vm.id
  }
}

resource "azurerm_linux_virtual_machine" "vm" {
  name                  = "${local.prefix}-vm"
  resource_group_name   = azurerm_resource_group.rg.name
  location              = azurerm_resource_group.rg.location
  size                  = "Standard_B2s"
  admin_username        = "azureuser"
  network_interface_ids = [azurerm_network_interface.vm.id]

  admin_ssh_key {
    username   = "azureuser"
    public_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0example"
  }

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Standard_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "0001-com-ubuntu-server-jammy"
    sku       = "22_04-lts"
    version   = "latest"
  }
}

# Just-in-time access: SSH opens only on approved request, for at most three hours.
resource "azapi_resource" "jit" {
  type      = "Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01"
  name      = "web-jit"
  parent_id = "${azurerm_resource_group.rg.id}/providers/Microsoft.Security/locations/${var.location}"
  body = {
    kind = "Basic"
    properties = {
      virtualMachines = [
        {
          id = azurerm_linux_virtual_machine.vm.id
          ports = [
            {
              number                     = 22
              protocol                   = "TCP"
              allowedSourceAddressPrefix = "203.0.113.0/24"
              maxRequestAccessDuration   = "PT3H"
            }
          ]
        }
      ]
    }
  }
}

# Anyone writing an NSG rule anywhere in the subscription pages the security team.
data "azurerm_subscription" "current" {}

resource "azurerm_monitor_action_group" "secops" {
  name                = "secops"
  resource_group_name = azurerm_resource_group.rg.name
  short_name          = "secops"

  email_receiver {
    name          = "secops"
    email_address = "secops@example.com"
  }
}

resource "azurerm_monitor_activity_log_alert" "nsg_rule_write" {
  name                = "nsg-rule-write"
  resource_group_name = azurerm_resource_group.rg.name
  location            = "global"
  scopes              = [data.azurerm_subscription.current.id]
  description         = "An NSG rule was created or changed"

  criteria {
    category       = "Administrative"
    operation_name = "Microsoft.Network/networkSecurityGroups/securityRules/write"
  }

  action {
    action_group_id = azurerm_monitor_action_group.secops.id
  }
}
