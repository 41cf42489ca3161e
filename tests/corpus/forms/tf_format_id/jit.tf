resource "azapi_resource" "jit" {
  type      = "Microsoft.Security/locations/jitNetworkAccessPolicies@2020-01-01"
  name      = "jit-policy"
  parent_id = "${azurerm_resource_group.rg.id}/providers/Microsoft.Security/locations/westeurope"
  body = {
    kind = "Basic"
    properties = {
      virtualMachines = [
        {
          id = format("%s/providers/Microsoft.Compute/virtualMachines/%s", azurerm_resource_group.rg.id, azurerm_linux_virtual_machine.vm.name)
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
