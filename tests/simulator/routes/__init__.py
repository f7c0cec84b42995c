"""Control API and OAuth of the simulator, one module per namespace.

Each module holds a mixin of ``SonosCloudSimulator`` with the handlers of its
namespace and, for the Control API, the list of its routes (``Route``).
"""
