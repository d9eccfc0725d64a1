"""audience: customer segmentation and predictive scoring inside the warehouse.

The dbt project (models/, macros/, python_models/) does the work in the warehouse; this package
holds what the dbt Python models import and the command-line tools (``audience --help``).
"""

__version__ = "0.1.0"
