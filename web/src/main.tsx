import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app";
// One cascade, in this order: the base, the pages, the editor, then the last small overrides.
import "./styles/base.css";
import "./styles/pages.css";
import "./styles/editor.css";
import "./styles/sign-in-and-lists.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
