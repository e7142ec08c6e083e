"""The coverage mapping as a course × competency spreadsheet: export (XLSX, CSV) and checked import (XLSX).

    from cipt_graph.spreadsheet import MatrixModel, write_matrix_xlsx, import_matrix

    model = MatrixModel.from_workspace(workspace)            # or the shipped data
    Path("matrice.xlsx").write_bytes(write_matrix_xlsx(model))
    result = import_matrix(workspace, "matrice.xlsx", author="Marie Dupont")   # MatrixError lists every bad cell
"""

from .apply import ImportResult, StaleWorkbookError, import_matrix, merge_rows
from .inspection import LimitError, SheetLimits, inspect_workbook
from .model import MatrixModel
from .reader import CellError, MatrixError, read_matrix
from .writer import write_matrix_csv, write_matrix_xlsx

__all__ = [
    "CellError", "ImportResult", "LimitError", "MatrixError", "SheetLimits", "StaleWorkbookError", "inspect_workbook", "MatrixModel", "import_matrix", "merge_rows", "read_matrix",
    "write_matrix_csv", "write_matrix_xlsx",
]
