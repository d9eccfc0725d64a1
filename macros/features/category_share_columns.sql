{#- Columns for the share of net spend per product category (configured categories, then
    "other") and the top category, from a relation `alias` with monetary and net_amount_<category>
    columns (as made by customer_rfm_features). Shares are NULL for customers without spend. -#}
{% macro category_share_columns(alias) -%}
{%- set categories = audience_setting('audience__product_categories') + ['other'] -%}
    {%- for category in categories %}
    case when {{ alias }}.monetary > 0
        then cast({{ alias }}.net_amount_{{ category }} / {{ alias }}.monetary as double)
    end as category_share_{{ category }},
    {%- endfor %}
    case
        {%- for category in categories %}
        when {{ alias }}.monetary > 0 and {{ alias }}.net_amount_{{ category }} = greatest(
            {%- for other in categories %}{{ alias }}.net_amount_{{ other }}{{ ", " if not loop.last }}{% endfor -%}
        ) then '{{ category }}'
        {%- endfor %}
    end as top_category
{%- endmacro %}
