"""The source layouts the CDM is filled from, as their publishers define them.

EMIS Web extract and SystmOne Strategic Reporting column layouts are those published in the
public repository endeavourhealth/Transforms (`src/main/java/org/endeavourhealth/transform/emis/
csv/schema/` and `.../tpp/csv/schema/`), every version listed there. The ingest's adapters
check headers against them and the synthetic data's writers write them, so both use this one
copy. The type 1 opt-out codes are how a GP record holds the national data opt-out.
"""

from __future__ import annotations

# Type 1 opt-out: dissent from secondary use of GP patient identifiable data, and its withdrawal.
TYPE1_DISSENT = "827241000000103"
TYPE1_DISSENT_WITHDRAWN = "827261000000102"

SYSTMONE_ENCODING = "cp1252"

# EMIS: (Schema_Table) -> (the row's GUID column, the published layouts, newest first)
_PATIENT_OLD = (
    "PatientGuid", "OrganisationGuid", "UsualGpUserInRoleGuid", "Sex", "DateOfBirth", "DateOfDeath", "Title",
    "GivenName", "MiddleNames", "Surname", "DateOfRegistration", "NhsNumber", "PatientNumber",
    "PatientTypeDescription", "DummyType", "HouseNameFlatNumber", "NumberAndStreet", "Village", "Town", "County",
    "Postcode", "ResidentialInstituteCode", "NHSNumberStatus", "CarerName", "CarerRelation", "PersonGuid",
    "DateOfDeactivation", "Deleted", "SpineSensitive", "IsConfidential", "EmailAddress", "HomePhone",
    "MobilePhone", "ExternalUsualGPGuid", "ExternalUsusalGP", "ExternalUsusalGPOrganisation", "ProcessingId",
)  # fmt: skip
_PATIENT = (*_PATIENT_OLD[:-3], "ExternalUsualGP", "ExternalUsualGPOrganisation", "ProcessingId")
_ISSUE = (
    "IssueRecordGuid", "PatientGuid", "OrganisationGuid", "DrugRecordGuid", "EffectiveDate",
    "EffectiveDatePrecision", "EnteredDate", "EnteredTime", "ClinicianUserInRoleGuid", "EnteredByUserInRoleGuid",
    "CodeId", "Dosage", "Quantity", "QuantityUnit", "ProblemObservationGuid", "CourseDurationInDays",
    "EstimatedNhsCost", "IsConfidential", "Deleted", "ProcessingId",
)  # fmt: skip
_ISSUE_OLD = tuple(
    "ClinicanUserInRoleGuid" if c == "ClinicianUserInRoleGuid" else c for c in _ISSUE if c != "EnteredTime"
)
_PROBLEM = (
    "ObservationGuid", "PatientGuid", "OrganisationGuid", "ParentProblemObservationGuid", "Deleted", "Comment",
    "EndDate", "EndDatePrecision", "ExpectedDuration", "LastReviewDate", "LastReviewDatePrecision",
    "LastReviewUserInRoleGuid", "ParentProblemRelationship", "ProblemStatusDescription",
    "SignificanceDescription", "ProcessingId",
)  # fmt: skip
_CLINICAL_CODE = (
    "CodeId", "Term", "ReadTermId", "SnomedCTConceptId", "SnomedCTDescriptionId", "NationalCode",
    "NationalCodeCategory", "NationalDescription", "EmisCodeCategoryDescription", "ProcessingId",
)  # fmt: skip

# (Schema_Table) -> (the row's GUID column, the published layouts)
EMIS_LAYOUTS: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "Admin_Patient": ("PatientGuid", (_PATIENT, _PATIENT_OLD)),
    "Admin_Organisation": (
        "OrganisationGuid",
        (
            (
                "OrganisationGuid",
                "CDB",
                "OrganisationName",
                "ODSCode",
                "ParentOrganisationGuid",
                "CCGOrganisationGuid",
                "OrganisationType",
                "OpenDate",
                "CloseDate",
                "MainLocationGuid",
                "ProcessingId",
            ),
        ),
    ),  # fmt: skip
    "CareRecord_Observation": (
        "ObservationGuid",
        (
            (
                "ObservationGuid",
                "PatientGuid",
                "OrganisationGuid",
                "EffectiveDate",
                "EffectiveDatePrecision",
                "EnteredDate",
                "EnteredTime",
                "ClinicianUserInRoleGuid",
                "EnteredByUserInRoleGuid",
                "ParentObservationGuid",
                "CodeId",
                "ProblemGuid",
                "AssociatedText",
                "ConsultationGuid",
                "Value",
                "NumericUnit",
                "ObservationType",
                "NumericRangeLow",
                "NumericRangeHigh",
                "DocumentGuid",
                "Deleted",
                "IsConfidential",
                "ProcessingId",
            ),
        ),
    ),  # fmt: skip
    "CareRecord_Problem": (
        "ObservationGuid",
        (_PROBLEM, tuple(c for c in _PROBLEM if c != "Deleted")),
    ),
    "Prescribing_IssueRecord": ("IssueRecordGuid", (_ISSUE, _ISSUE_OLD)),
    "Appointment_Slot": (
        "SlotGuid",
        (
            (
                "SlotGuid",
                "AppointmentDate",
                "AppointmentStartTime",
                "PlannedDurationInMinutes",
                "PatientGuid",
                "SendInTime",
                "LeftTime",
                "DidNotAttend",
                "PatientWaitInMin",
                "AppointmentDelayInMin",
                "ActualDurationInMinutes",
                "OrganisationGuid",
                "SessionGuid",
                "DnaReasonCodeId",
                "Deleted",
                "ProcessingId",
            ),
        ),
    ),  # fmt: skip
    "Appointment_Session": (
        "AppointmentSessionGuid",
        (
            (
                "AppointmentSessionGuid",
                "Description",
                "LocationGuid",
                "SessionTypeDescription",
                "SessionCategoryDisplayName",
                "StartDate",
                "StartTime",
                "EndDate",
                "EndTime",
                "Private",
                "OrganisationGuid",
                "Deleted",
                "ProcessingId",
            ),
        ),
    ),  # fmt: skip
    "Coding_ClinicalCode": ("CodeId", (_CLINICAL_CODE, (*_CLINICAL_CODE, "ParentCodeId"))),
    "Coding_DrugCode": ("CodeId", (("CodeId", "Term", "DmdProductCodeId", "ProcessingId"),)),
}


# SystmOne: SR table -> the published layouts
def _with_removed(layout: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return layout, (*layout, "RemovedData")


_PATIENT = (
    "RowIdentifier", "IDOrganisationVisibleTo", "Title", "FirstName", "MiddleNames", "Surname", "PreviousSurname",
    "NHSNumber", "DateBirth", "DateDeath", "BirthPlace", "Gender", "SpeaksEnglish", "EmailAddress", "TestPatient",
    "SSRef",
)  # fmt: skip
_REGISTRATION = (
    "RowIdentifier", "IDOrganisationVisibleTo", "DateEventRecorded", "IDProfileEnteredBy", "DateRegistration",
    "DateDeRegistration", "RegistrationStatus", "PreferredPharmacy", "IDPatient", "IDOrganisation",
)  # fmt: skip
_EVENT = (
    "RowIdentifier", "IDOrganisationVisibleTo", "DateEventRecorded", "DateEvent", "IDProfileEnteredBy",
    "IDDoneBy", "TextualEventDoneBy", "IDOrganisationDoneAt",
)  # fmt: skip
_CODE_TAIL = (
    "NumericComparator", "IsNumeric", "NumericValue", "NumericUnit", "EpisodeType", "IDTemplate",
)  # fmt: skip
_CODE_IDS = (
    "IDEvent",
    "IDPatient",
    "IDReferralIn",
    "IDAppointment",
    "IDVisit",
    "IDOrganisation",
    "IDOrganisationRegisteredAt",
)
_CTV3 = ("CTV3Code", "CTV3Text")
_SNOMED = ("SNOMEDCode", "SNOMEDText")
_MEDICATION = (
    *_EVENT, "IDMultiLexProduct", "IDMultiLexPack", "IDMultiLexDMD", "NameOfMedication", "DateMedicationStart",
    "DateMedicationEnd", "MedicationDosage", "MedicationQuantity", "IsSupervised", "SupervisedDose",
    "UnsupervisedDose", "IsRepeatMedication", "IsOtherMedication", "IsDentalMedication", "IsHospitalMedication",
    "IDRepeatTemplate", "IDReferralIn", "IDEvent", "IDPatient", "IDOrganisation", "IDOrganisationRegisteredAt",
)  # fmt: skip
_IMMS_HEAD = (
    *_EVENT,
    "IDVaccination",
    "IDImmunisationContent",
    "Dose",
    "Location",
    "Method",
    "DateExpiry",
    "ImmsReadCode",
)
_IMMS_TAIL = (
    "VaccPart",
    "VaccBatchNumber",
    "VaccAreaCode",
    "VaccinationStatus",
    "IDEvent",
    "IDPatient",
    "IDOrganisation",
)
_APPOINTMENT = (
    "RowIdentifier", "IDOrganisationVisibleTo", "DateStart", "DateEnd", "AppointmentStatus",
    "DateAppointmentBooked", "DatePatientArrival", "DatePatientSeen", "FollowUpAppointment",
    "TelephoneAppointment", "IDClinician", "IDProfileClinician", "RotaName", "RotaType", "RotaLocation",
    "RotaCode", "IDRotaOwner", "IDProfileRotaOwner", "AllowsOverbooking", "BookingContactNumber",
    "DateAppointmentCancelled", "IDRota", "IDReferralIn", "IDPatient", "IDOrganisation",
    "IDOrganisationRegisteredAt",
)  # fmt: skip

SYSTMONE_LAYOUTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "SRPatient": (_PATIENT, (*_PATIENT, "SpineMatched"), (*_PATIENT, "SpineMatched", "RemovedData")),
    "SRPatientRegistration": (
        _REGISTRATION,
        *_with_removed((*_REGISTRATION, "IDOrganisationRegisteredAt")),
    ),
    "SRCode": (
        # 93 and 92 (with IDQuestionnaire), 90 and 91 (without): SNOMED CT beside CTV3
        *_with_removed((*_EVENT, *_CTV3, *_SNOMED, *_CODE_TAIL, "IDQuestionnaire", *_CODE_IDS)),
        *_with_removed((*_EVENT, *_CTV3, *_SNOMED, *_CODE_TAIL, *_CODE_IDS)),
        # earlier versions: CTV3 only (every row is quarantined as ctv3_only)
        *_with_removed((*_EVENT, *_CTV3, *_CODE_TAIL, *_CODE_IDS)),
    ),
    "SRPrimaryCareMedication": _with_removed(_MEDICATION),
    "SRImmunisation": (
        *_with_removed((*_IMMS_HEAD, "ImmsSNOMEDCode", *_IMMS_TAIL, "IDOrganisationRegisteredAt")),
        *_with_removed((*_IMMS_HEAD, *_IMMS_TAIL, "IDOrganisationRegisteredAt")),
        (*_IMMS_HEAD, *_IMMS_TAIL),
    ),
    "SRAppointment": _with_removed(_APPOINTMENT),
    "SRMapping": (("RowIdentifier", "IdMappingGroup", "Mapping"),),
}
