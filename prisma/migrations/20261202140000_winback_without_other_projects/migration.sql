-- Win-back recommendations written before similar cases respected membership named the similar
-- projects and cited their client messages. Every member of the project sees a recommendation, so
-- those rows keep no trace of another project: the rationale is rewritten without names, the
-- language-model wording (made from it) is dropped, and only evidence that belongs to the project
-- itself stays. Data only; the schema is unchanged.
UPDATE "recommendations_v2" r SET
  "rationale" = 'Similar past projects in your workspace ended in client risk after a comparable stretch.',
  "llm_text" = NULL,
  "text_source" = 'template',
  "evidence_refs" = coalesce((
    SELECT jsonb_agg(e ORDER BY ord) FROM jsonb_array_elements(r."evidence_refs") WITH ORDINALITY AS x(e, ord)
    WHERE CASE e->>'kind'
      WHEN 'message' THEN EXISTS (SELECT 1 FROM "cw_messages" m WHERE m."project_id" = r."project_id" AND m."external_id" = e->>'id')
      WHEN 'issue' THEN EXISTS (SELECT 1 FROM "linear_issues" i WHERE i."project_id" = r."project_id" AND i."external_id" = e->>'id')
        OR EXISTS (SELECT 1 FROM "linear_projects" p WHERE p."project_id" = r."project_id" AND p."external_id" = e->>'id')
      WHEN 'deal' THEN EXISTS (SELECT 1 FROM "attio_deals" d WHERE d."project_id" = r."project_id" AND d."external_id" = e->>'id')
      ELSE false
    END
  ), '[]'::jsonb)
WHERE r."category" = 'winback';
UPDATE "recommendations_v2" SET "evidence_count" = jsonb_array_length("evidence_refs") WHERE "category" = 'winback';
-- Fewer than two records of its own left: held back by the evidence gate, as a refresh would.
UPDATE "recommendations_v2" SET "evidence_gate_status" = 'hidden', "evidence_gate_reason" = 'insufficient_evidence_count_' || "evidence_count" || '_lt_2'
WHERE "category" = 'winback' AND "evidence_count" < 2;
