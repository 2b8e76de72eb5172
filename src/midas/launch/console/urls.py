from midas.launch import console

app_name = "launch_console"

urlpatterns = [pattern for module in console.modules() for pattern in module.urlpatterns]
