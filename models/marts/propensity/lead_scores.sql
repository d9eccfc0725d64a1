-- One row per lead and declared lead prediction: calibrated probability (or the flagged
-- heuristic score where no model could be trained), its rank, band and top 3 reasons.
{{ propensity_entity_scores('lead') }}
