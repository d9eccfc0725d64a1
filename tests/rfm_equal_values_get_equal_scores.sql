-- Scores come from value breakpoints: customers with equal recency (or frequency, or monetary)
-- at the same date must have equal r (f, m) scores. Returns the values scored two ways.
{% for measure, score in [('recency_days', 'r_score'), ('frequency', 'f_score'), ('monetary', 'm_score')] %}
select
    '{{ measure }}' as measure,
    cast({{ measure }} as varchar) as measure_value
from {{ ref('fct_customer_rfm') }}
where frequency > 0
group by as_of_date, {{ measure }}
having count(distinct {{ score }}) > 1
{{ "union all" if not loop.last }}
{% endfor %}
