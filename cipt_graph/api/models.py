"""Response models of the JSON API: stable snake_case field names, documented in OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel, Field

IRI = Field(description="IRI of the resource in the graph (resolvable under /id/…)")
#: Rows of answers that may span several programmes name theirs (issue #16).
PROGRAMME = Field(None, description="IRI of the programme this row belongs to")


class Programme(BaseModel):
    """The programme, its volume of hours and its certification."""

    iri: str = IRI
    code: str | None = Field(description="Identifier (M2_CIPT)")
    label: str
    provider_label: str | None = Field(description="The university")
    component_label: str | None = Field(description="The school (composante)")
    declared_hours: int | None = Field(description="Volume of hours the brochure declares")
    listed_hours: int = Field(description="Sum of the hours of the listed modules")
    hours_difference: int | None = Field(description="declared_hours − listed_hours")
    module_count: int
    certification_iri: str | None
    rncp_number: str | None
    certification_label: str | None
    qualification_level: int | None
    lang: str


class ModuleSummary(BaseModel):
    """A module (course) of the programme."""

    programme: str | None = PROGRAMME
    iri: str = IRI
    code: str = Field(description="Module code (M01)")
    label: str
    sequence: int = Field(description="Position in the brochure's list")
    period_code: str | None
    period_label: str | None
    hours: int
    competency_count: int = Field(description="Number of competencies the module covers")
    url: str = Field(description="Path of this resource in the JSON API")


class ModuleCoverage(BaseModel):
    """A competency a module covers, with the level reached."""

    competency_iri: str
    competency_code: str
    competency_label: str
    block_code: str
    block_label: str
    level_code: str = Field(description="I (introduced), R (reinforced) or M (mastered)")
    level_rank: int
    coverage_hours: float | None = Field(description="Hours devoted to the competency, when stated")
    rationale: str | None


class ModuleDetail(ModuleSummary):
    """A module with the competencies it covers."""

    coverage: list[ModuleCoverage]


class CompetencySummary(BaseModel):
    """A competency of the certification."""

    programme: str | None = PROGRAMME
    iri: str = IRI
    code: str = Field(description="Competency code (BC05-C1)")
    label: str
    block_iri: str
    block_code: str
    block_label: str
    module_count: int = Field(description="Number of modules covering it")
    max_level_rank: int | None = Field(description="Highest level rank reached; null when uncovered")
    url: str


class CompetencyModule(BaseModel):
    """A module covering a competency."""

    module_iri: str
    module_code: str
    module_label: str
    period_code: str | None
    module_hours: int
    level_code: str
    level_rank: int
    coverage_hours: float | None
    rationale: str | None


class CompetencyDetail(CompetencySummary):
    """A competency with the modules covering it."""

    modules: list[CompetencyModule]


class Block(BaseModel):
    """A competency block of the certification, with its hours (rule of `hours_per_block`)."""

    programme: str | None = PROGRAMME
    iri: str = IRI
    code: str = Field(description="Block code (BC01)")
    label: str
    hours: float
    competency_count: int
    covered_competency_count: int
    module_count: int
    url: str


class BlockDetail(Block):
    """A block with its competencies."""

    competencies: list[CompetencySummary]


class JobSummary(BaseModel):
    """A target job."""

    programme: str | None = PROGRAMME
    iri: str = IRI
    code: str = Field(description="Job code (J1)")
    label: str
    rome_code: str | None = Field(description="Main ROME category")
    rome_label: str | None
    activity_count: int
    url: str


class JobModule(BaseModel):
    """A module building a competency a job needs."""

    iri: str
    code: str
    label: str
    level_code: str
    level_rank: int
    hours: int | None = None


class JobCompetency(BaseModel):
    """A competency an activity rests on, and the modules building it (empty: a gap).

    ``estimated_hours``: its teaching hours by the equal-split rule of ``hours_per_competency``
    (an estimate, as on the /jobs page); ``link_status``: whether the activity → competency link
    is stated, inferred or a judgement."""

    iri: str
    code: str
    label: str
    estimated_hours: float = 0.0
    link_status: str | None = None
    modules: list[JobModule]


class JobActivity(BaseModel):
    """A professional activity a job involves (``link_status``: of the job → activity link)."""

    iri: str
    code: str
    label: str
    link_status: str | None = None
    competencies: list[JobCompetency]


class JobDetail(JobSummary):
    """A job → activities → competencies → modules, with hours along the chain (query
    ``job_paths``): ``estimated_hours`` sums the estimated hours of the distinct competencies the
    job needs; ``rome_status`` says whether its ROME code is inferred or a judgement."""

    rome_status: str | None = None
    estimated_hours: float = 0.0
    activities: list[JobActivity]


class MatrixModule(BaseModel):
    """A row of the coverage matrix."""

    programme: str | None = PROGRAMME
    code: str
    label: str
    period_code: str | None
    hours: int


class MatrixCompetency(BaseModel):
    """A column of the coverage matrix."""

    code: str
    label: str
    block_code: str


class MatrixLink(BaseModel):
    """A cell of the coverage matrix: a module covers a competency at a level."""

    programme: str | None = PROGRAMME
    module_code: str
    competency_code: str
    level_code: str
    level_rank: int
    level_label: str
    coverage_hours: float | None
    status: str | None = Field(description="Mapping status: proposed or validated")
    rationale: str | None


class CoverageMatrix(BaseModel):
    """The course × competency matrix: rows, columns and the non-empty cells."""

    lang: str
    modules: list[MatrixModule]
    competencies: list[MatrixCompetency]
    links: list[MatrixLink]


class GapCompetency(BaseModel):
    programme: str | None = PROGRAMME
    iri: str
    code: str
    label: str
    block_code: str


class GapBlock(BaseModel):
    programme: str | None = PROGRAMME
    iri: str
    code: str
    label: str
    competency_count: int


class GapModule(BaseModel):
    programme: str | None = PROGRAMME
    iri: str
    code: str
    label: str
    period_code: str | None
    hours: int


class HoursBalance(BaseModel):
    """Declared hours against the sum of the listed modules' hours."""

    programme: str | None = PROGRAMME
    declared: int
    listed: int
    difference: int
    module_count: int


class Gaps(BaseModel):
    """What the accreditation checks find missing (empty lists when all is well)."""

    uncovered_competencies: list[GapCompetency]
    uncovered_blocks: list[GapBlock]
    modules_without_competency: list[GapModule]
    hours: list[HoursBalance] = Field(description="One entry per programme")
    complete: bool = Field(description="True when every competency and block is covered and every module contributes")
