"""publiccode.yml follows the publiccode.yml standard (v0), so other administrations find the app.

The rules are those of the standard's core schema (mandatory keys, controlled vocabularies,
lengths) and of the reference parser (publiccode-parser-go, which also refuses unknown keys).
The file must also agree with the project: licence, version, languages, dependencies.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PUBLICCODE = ROOT / "publiccode.yml"

def _words(text: str) -> set[str]:
    """Return the words of a controlled vocabulary copied from the standard."""
    return set(text.split())


VERSIONS = {"0.2", "0.2.0", "0.2.1", "0.2.2", "0.3", "0.3.0", "0.4", "0.4.0", "0.5", "0.5.0"}
MANDATORY = {"publiccodeYmlVersion", "name", "url", "platforms", "categories", "developmentStatus",
             "softwareType", "description", "legal", "maintenance", "localisation"}
KNOWN = MANDATORY | {"applicationSuite", "landingURL", "isBasedOn", "softwareVersion", "releaseDate",
                     "logo", "monochromeLogo", "organisation", "inputTypes", "outputTypes", "usedBy",
                     "fundedBy", "roadmap", "intendedAudience", "dependsOn", "IT", "it"}
DEVELOPMENT_STATUS = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPES = {"standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web",
                  "standalone/backend", "standalone/other", "addon", "library", "configurationFiles"}
MAINTENANCE_TYPES = {"internal", "contract", "community", "none"}
CATEGORIES = _words("""
accounting agile-project-management applicant-tracking application-development
appointment-scheduling backup billing-and-invoicing blog budgeting business-intelligence
business-process-management cad call-center-management cloud-management collaboration
communications compliance-management contact-management content-management crm
customer-service-and-support data-analytics data-collection data-visualization design
design-system digital-asset-management digital-citizenship document-management
donor-management e-commerce e-signature educational-content email-management email-marketing
employee-management enterprise-project-management enterprise-social-networking erp
event-management facility-management feedback-and-reviews-management financial-reporting
fleet-management fundraising gamification geographic-information-systems grant-management
graphic-design help-desk hr ide identity-management instant-messaging inventory-management
it-asset-management it-development it-management it-security it-service-management
knowledge-management learning-management-system marketing mind-mapping mobile-marketing
mobile-payment network-management office online-booking online-community payment-gateway
payroll predictive-analysis procurement productivity-suite project-collaboration
project-management property-management real-estate-management remote-support
resource-management sales-management seo service-desk social-media-management survey
talent-management task-management taxes-management test-management time-management
time-tracking translation video-conferencing video-editing visitor-management voip
warehouse-management web-collaboration web-conferencing website-builder whistleblowing
workflow-management""")
SCOPES = _words("""agriculture culture defence education emergency-services employment energy
environment finance-and-economic-development foreign-affairs healthcare infrastructures justice
local-authorities manufacturing research science-and-technology security society sport tourism
transportation welfare""")
DESCRIPTION_KEYS = {"localisedName", "genericName", "shortDescription", "longDescription",
                    "documentation", "apiDocumentation", "features", "screenshots", "videos", "awards"}
DEPENDENCY_KEYS = {"name", "versionMin", "versionMax", "version", "optional"}
CONFORME_KEYS = {"lineeGuidaDesign", "modelloInteroperabilita", "misureMinimeSicurezza", "gdpr"}
PIATTAFORME_KEYS = {"spid", "cie", "anpr", "pagopa", "io"}
BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def publiccode() -> dict:
    text = PUBLICCODE.read_bytes().decode("utf-8")  # the standard requires UTF-8
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def test_version_and_top_level_keys(publiccode):
    assert publiccode["publiccodeYmlVersion"] in VERSIONS
    assert isinstance(publiccode["publiccodeYmlVersion"], str)  # "0.4", not the float 0.4
    assert MANDATORY <= set(publiccode), MANDATORY - set(publiccode)
    assert set(publiccode) <= KNOWN, set(publiccode) - KNOWN
    assert not ({"IT", "it"} <= set(publiccode)), "one Italian section only"


def test_identity(publiccode):
    assert publiccode["name"] == "survey_app"
    url = urlsplit(publiccode["url"])
    assert url.scheme in ("http", "https") and url.netloc
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert publiccode["softwareVersion"] == project["version"]
    if "releaseDate" in publiccode:
        assert DATE.match(str(publiccode["releaseDate"]))


def test_classification(publiccode):
    assert publiccode["platforms"] == ["web"]
    assert publiccode["softwareType"] == "standalone/web"
    assert publiccode["developmentStatus"] in DEVELOPMENT_STATUS
    assert publiccode["categories"] and set(publiccode["categories"]) <= CATEGORIES
    assert "survey" in publiccode["categories"]
    audience = publiccode.get("intendedAudience", {})
    assert set(audience.get("scope", [])) <= SCOPES
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in audience.get("countries", []))


@pytest.mark.parametrize("language", ["it", "en"])
def test_description_in_italian_and_english(publiccode, language):
    description = publiccode["description"][language]
    assert set(description) <= DESCRIPTION_KEYS, set(description) - DESCRIPTION_KEYS
    short = description["shortDescription"].strip()
    assert 0 < len(short) <= 150, len(short)
    assert "\n" not in short, "one line, one sentence"
    assert 150 <= len(description["longDescription"]) <= 10_000
    features = description["features"]
    assert isinstance(features, list) and 5 <= len(features) <= 20
    assert all(isinstance(f, str) and f.strip() for f in features)
    assert "genericName" not in description  # deprecated


def test_description_languages_are_bcp47(publiccode):
    assert all(BCP47.match(tag) for tag in publiccode["description"])


def test_licence_is_eupl_like_the_project(publiccode):
    assert publiccode["legal"]["license"] == "EUPL-1.2"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "EUPL-1.2"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")


def test_maintenance(publiccode):
    maintenance = publiccode["maintenance"]
    assert maintenance["type"] in MAINTENANCE_TYPES
    if maintenance["type"] in ("internal", "community"):
        assert maintenance["contacts"] and all(c.get("name") for c in maintenance["contacts"])
    if maintenance["type"] == "contract":
        assert all(c.get("name") and DATE.match(str(c.get("until"))) for c in maintenance["contractors"])
    else:
        assert "contractors" not in maintenance


def test_localisation_matches_the_app(publiccode):
    from survey_app.config import DEFAULTS

    localisation = publiccode["localisation"]
    assert localisation["localisationReady"] is True
    assert all(BCP47.match(tag) for tag in localisation["availableLanguages"])
    assert set(localisation["availableLanguages"]) == set(DEFAULTS["LANGUAGES"])


def test_runtime_dependencies_include_postgresql_and_redis(publiccode):
    open_dependencies = {d["name"]: d for d in publiccode["dependsOn"]["open"]}
    for dependency in open_dependencies.values():
        assert set(dependency) <= DEPENDENCY_KEYS
        assert isinstance(dependency.get("optional", False), bool)
        for key in ("versionMin", "versionMax", "version"):
            assert isinstance(dependency.get(key, ""), str), (dependency["name"], key)
    for name in ("PostgreSQL", "Redis", "Python"):
        assert name in open_dependencies
        assert open_dependencies[name].get("versionMin") or open_dependencies[name].get("version")


def test_italian_section_declares_accessibility_and_gdpr(publiccode):
    italy = publiccode.get("IT") or publiccode["it"]
    assert italy["countryExtensionVersion"] == "1.0"
    conforme = italy["conforme"]
    assert set(conforme) <= CONFORME_KEYS
    assert all(isinstance(v, bool) for v in conforme.values())
    # accessibility (L. 4/2004) and GDPR are declared explicitly
    assert conforme["lineeGuidaDesign"] is True
    assert conforme["gdpr"] is True
    assert set(italy.get("piattaforme", {})) <= PIATTAFORME_KEYS
    assert set(italy) <= {"countryExtensionVersion", "conforme", "riuso", "piattaforme"}
    if italy.get("riuso", {}).get("codiceIPA"):
        assert re.fullmatch(r"[a-z0-9_]+", italy["riuso"]["codiceIPA"])
