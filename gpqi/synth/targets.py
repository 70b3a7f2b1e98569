"""Calibration targets: published figures (with their source) and the assumptions used where the
reference files hold no figure. docs/synthetic-data.md lists each one with the measured value."""

from __future__ import annotations

# Seasonal flu vaccine uptake, GP patients, England 2023-24 (UKHSA; key_numbers.md).
FLU_UPTAKE = {"65_plus": 0.778, "at_risk": 0.414, "pregnant": 0.321, "age_2_3": 0.444}
# Adults under 65 not in a risk group who are vaccinated anyway (carers, staff). ASSUMPTION.
FLU_UPTAKE_OTHER_ADULTS = 0.05

# Pertussis vaccination in pregnancy (UKHSA): 57.7% (Q2 2023-24) to 64.4% (Jul-Sep 2024).
PERTUSSIS_UPTAKE = 0.60
# Childhood MMR (COVER, UK 2023-24): MMR1 by 24 months 89.1%; MMR2 by 5 years 85.2%.
MMR1_BY_24_MONTHS = 0.891
MMR2_BY_5_YEARS = 0.852

# QOF-style achievement. No published achievement figures are in the reference files, so these
# are ASSUMPTIONS chosen to look like typical QOF results (brief: 60-70% and 55-65%).
HYP_BP_UNDER_80_CONTROLLED = 0.65  # last BP in 12 months <= 140/90, hypertension, aged <= 79
DM_HBA1C_CONTROLLED = 0.60  # last HbA1c in 12 months <= 58 mmol/mol, diabetes

# Pulse-rhythm checks in people aged 65+ recorded within 5 years: CEG (Health Foundation 2018):
# 36% (2014) -> 90% (2017) in the programme practices.
PULSE_CHECK_BASELINE = 1 / 3
PULSE_CHECK_PROGRAMME = 0.90

# National data opt-out, type 1 (GP-level) share. ASSUMPTION: no figure in the reference files.
TYPE1_OPT_OUT = 0.025

# Appointments per registered patient per year (all practice staff). ASSUMPTION: NHS Digital
# "Appointments in General Practice" runs at roughly 25-30 million a month for ~62 million patients;
# that publication's totals are not in the reference files.
APPOINTMENTS_PER_PATIENT_YEAR = 5.0

# DNA: NHS Digital Appointments in General Practice regional CSVs (49 CCGs, Mar 2019-Aug 2021),
# DERIVED in reference/dna_rates_summary_from_nhsd_regional_csv.csv; key_numbers.md gives 5.01% of
# all appointments pre-COVID. Rates by mode, lead time and clinician come from the bundled
# data/dna_rates.csv (DNA / (attended + DNA)).
DNA_OVERALL_PRE_COVID = 0.0501
