{#- The churn population, written once: a customer with a purchase in the var
    audience__churn_active_days before the date the features are computed at (recency_days at most
    that many days; false without purchases). fct_customer_snapshots labels churn_90d only inside
    it, and fct_customer_features carries it for scoring (the churn_90d declaration's population). -#}
{% macro is_churn_eligible(recency_days) -%}
    coalesce({{ recency_days }} <= {{ audience_setting('audience__churn_active_days') }}, false)
{%- endmacro %}
